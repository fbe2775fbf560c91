class Node:
    __slots__ = ("left", "right")

    def __init__(self, left, right):
        self.left = left
        self.right = right


def make(depth):
    if depth == 0:
        return Node(None, None)
    return Node(make(depth - 1), make(depth - 1))


def check(node):
    if node.left is None:
        return 1
    return 1 + check(node.left) + check(node.right)


max_depth = N
stretch = make(max_depth + 1)
print("stretch tree of depth " + str(max_depth + 1) + " check: " + str(check(stretch)))
long_lived = make(max_depth)
depth = 4
while depth <= max_depth:
    iterations = 1 << (max_depth - depth + 4)
    total = 0
    for _ in range(iterations):
        total += check(make(depth))
    print(str(iterations) + " trees of depth " + str(depth) + " check: " + str(total))
    depth += 2
print("long lived tree of depth " + str(max_depth) + " check: " + str(check(long_lived)))
