parts = []
line = ""
for i in range(N):
    line = line + str(i % 10)
    if len(line) >= 40:
        parts.append(line.upper())
        line = ""
text = "\n".join(parts)
words = text.split("\n")
count = 0
for w in words:
    if "123" in w:
        count += 1
    count += w.find("9")
print(len(text), len(words), count, words[0][0:12])
