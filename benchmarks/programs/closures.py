def make_counter(step):
    count = 0

    def counter():
        nonlocal count
        count += step
        return count
    return counter


def compose(f, g):
    return lambda x: f(g(x))


total = 0
inc = compose(lambda x: x + 1, lambda x: x * 2)
for i in range(N):
    c = make_counter(i % 5)
    c()
    total += c() + inc(i)
print(total)
