import math


def a(i, j):
    return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)


def times(u, n):
    out = []
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(i, j) * u[j]
        out.append(s)
    return out


def times_transposed(u, n):
    out = []
    for i in range(n):
        s = 0.0
        for j in range(n):
            s += a(j, i) * u[j]
        out.append(s)
    return out


def times_ata(u, n):
    return times_transposed(times(u, n), n)


u = [1.0] * N
v = u
for _ in range(10):
    v = times_ata(u, N)
    u = times_ata(v, N)
vbv = vv = 0.0
for i in range(N):
    vbv += u[i] * v[i]
    vv += v[i] * v[i]
print(math.sqrt(vbv / vv))
