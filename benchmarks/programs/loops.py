total = 0
i = 0
while i < N:
    total += i % 7
    i += 1
for j in range(N):
    if j & 1 == 0:
        total += j
    else:
        total -= 1
print(total)
