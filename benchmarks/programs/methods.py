class Vec:
    __slots__ = ("x", "y")

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def scale(self, k):
        return Vec(self.x * k, self.y * k)

    def dot(self, other):
        return self.x * other.x + self.y * other.y

    @staticmethod
    def zero():
        return Vec(0, 0)

    def __str__(self):
        return "Vec(x: %d, y: %d)" % (self.x, self.y)


class Account:
    __slots__ = ("balance",)

    def __init__(self, balance=0):
        self.balance = balance

    def deposit(self, amount):
        self.balance += amount

    def withdraw(self, amount):
        if amount > self.balance:
            return False
        self.balance -= amount
        return True


acc = Account()
v = Vec.zero()
step = Vec(1, 2)
for i in range(N):
    v = v.add(step.scale(i % 3))
    acc.deposit(i % 7)
    acc.withdraw(i % 5)
print(v, v.dot(step), acc.balance)
