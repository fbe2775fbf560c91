def count_to(n):
    i = 0
    while i < n:
        yield i
        i += 1


def evens(source):
    for x in source:
        if x % 2 == 0:
            yield x


total = 0
for x in evens(count_to(N)):
    total += x
for _ in range(10):
    for y in count_to(N // 10):
        total -= y
print(total)
