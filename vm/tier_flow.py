"""Control-flow analysis for the compiled tier: which Python loops and `if`s a
proto's bytecode becomes.

The graph's nodes are pcs (a test and the JMP it is fused with are one node);
`Graph` is built from the successors each instruction's translation reports.
From an entry pc (0, or a loop header for on-stack replacement) it computes
dominators, the natural loops with their exits, and for every branch the point
where its two arms meet again (the immediate post-dominator inside its loop,
with nested loops seen as single nodes and `continue`/`break` edges as ends).

Code that Python's `while`, `for` and `if` cannot express this way (a jump
into a loop other than at its header, a loop left for two different places,
a `break` out of two loops at once) is reported as `Unstructured`; the tier
then translates that proto into a dispatch on basic blocks instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field


#: Most instructions of code that ends the function a loop takes into its body.
_MOST_ABSORBED = 200


class Unstructured(Exception):
    """The graph has a shape the structured translation cannot express."""


@dataclass
class Loop:
    """A natural loop. `kind` is "range" (a numeric for loop: FORLOOP at
    `latch` is its only back edge), "iter" (the header is a FORITER) or
    "while"; `follow` is the one pc the loop exits to (None: it never exits).
    `again` is the pc whose edges mean "next iteration" (`continue`)."""

    header: int
    body: set[int]
    kind: str = "while"
    latch: int | None = None
    follow: int | None = None
    #: Where each iteration's own code begins (an "iter" loop's header is the `for` statement).
    start: int = 0
    parent: "Loop | None" = None
    children: list["Loop"] = field(default_factory=list)

    @property
    def again(self) -> int:
        return self.latch if self.kind == "range" else self.header


class Graph:
    """Successors of each reachable pc, and what kind of node each is
    ("forloop", "foriter" and "forprep" nodes can become Python `for` loops)."""

    def __init__(self, successors: dict[int, list[int]], kinds: dict[int, str]):
        self.successors = successors
        self.kinds = kinds


class Structure:
    """The loops and branch merges of a graph entered at `entry`."""

    def __init__(self, graph: Graph, entry: int, iter_body: dict[int, int]):
        self.graph = graph
        self.entry = entry
        self.order = _reverse_postorder(graph.successors, entry)
        self.index = {pc: i for i, pc in enumerate(self.order)}
        self.idom = _dominators(graph.successors, self.order, self.index)
        self.loops: dict[int, Loop] = {}
        self.innermost: dict[int, Loop] = {}
        self._find_loops(iter_body)
        self._merges: dict[int | None, dict[int, int | None]] = {}

    # ---------------------------------------------------------- loops

    def dominates(self, a: int, b: int) -> bool:
        while b != a:
            parent = self.idom.get(b)
            if parent is None or parent == b:
                return False
            b = parent
        return True

    def _find_loops(self, iter_body: dict[int, int]) -> None:
        successors = self.graph.successors
        latches: dict[int, list[int]] = {}
        for source in self.order:
            for target in successors[source]:
                if self.index[target] <= self.index[source]:
                    if not self.dominates(target, source):
                        raise Unstructured("a loop is entered other than at its header")
                    latches.setdefault(target, []).append(source)
        predecessors = _predecessors(successors, self.order)
        for header, sources in latches.items():
            body = {header}
            work = [source for source in sources if source != header]
            body.update(work)
            while work:
                pc = work.pop()
                for before in predecessors[pc]:
                    if before not in body:
                        body.add(before)
                        work.append(before)
            self.loops[header] = Loop(header, body, start=header)
        self._absorb_dead_ends(predecessors)
        for loop in sorted(self.loops.values(), key=lambda each: len(each.body)):
            for pc in loop.body:
                self.innermost.setdefault(pc, loop)
        for loop in self.loops.values():
            enclosing = [other for other in self.loops.values()
                         if other is not loop and loop.header in other.body]
            if enclosing:
                loop.parent = min(enclosing, key=lambda each: len(each.body))
                loop.parent.children.append(loop)
            self._classify(loop, latches[loop.header], iter_body)
            self._exit(loop)

    def _absorb_dead_ends(self, predecessors: dict[int, list[int]]) -> None:
        """A loop left for several places takes into its body the exits that
        are only a jump to another of them (a `break`'s JMP) and code that
        only ends the function (`return` or `throw` inside the loop), as
        Python's `while` holds a `break` or a `return`: the loop then exits
        to one place. Loops around it take the same code (innermost first)."""
        absorbed: dict[int, set[int]] = {}
        for loop in sorted(self.loops.values(), key=lambda each: len(each.body)):
            taken: set[int] = set()
            for inner, region in absorbed.items():
                if inner in loop.body:
                    taken |= region
            loop.body |= taken
            exits = self._exits(loop)
            if len(exits) > 1:
                for target in sorted(exits):
                    if self._forwards(target, loop.body, exits, predecessors):
                        loop.body.add(target)
                        taken.add(target)
                exits = self._exits(loop)
            if len(exits) > 1:
                for target in sorted(exits - self._counted_exits(loop)):
                    region = self._dead_end(target, loop.body, predecessors)
                    if region:
                        loop.body |= region
                        taken |= region
            absorbed[loop.header] = taken

    def _counted_exits(self, loop: Loop) -> set[int]:
        """Where the FORITER and FORLOOP instructions of the loop's body go
        when their loop is done. A Python `for` takes that edge by itself,
        so the code there is never absorbed into the body: it runs after
        the loop, even when it only ends the function."""
        kinds = self.graph.kinds
        return {target for pc in loop.body if kinds.get(pc) in ("foriter", "forloop")
                for target in self.graph.successors[pc] if target not in loop.body}

    def _exits(self, loop: Loop) -> set[int]:
        return {target for pc in loop.body for target in self.graph.successors[pc] if target not in loop.body}

    def _forwards(self, target: int, body: set[int], exits: set[int], predecessors: dict[int, list[int]]) -> bool:
        """Whether `target` is a plain jump, entered only from `body`, to another exit."""
        after = self.graph.successors[target]
        return (self.graph.kinds.get(target) == "jmp" and len(after) == 1 and after[0] in exits
                and after[0] != target and all(before in body for before in predecessors[target]))

    def _dead_end(self, target: int, body: set[int], predecessors: dict[int, list[int]]) -> set[int]:
        """The code from `target` if only `body` enters it, it contains no loop
        and every path through it ends the function; else nothing."""
        if any(before not in body for before in predecessors[target]):
            return set()
        region = {target}
        work = [target]
        while work:
            pc = work.pop()
            if pc in self.loops or not self.dominates(target, pc) or len(region) > _MOST_ABSORBED:
                return set()
            for after in self.graph.successors[pc]:
                if after not in region:
                    region.add(after)
                    work.append(after)
        return region

    def _classify(self, loop: Loop, sources: list[int], iter_body: dict[int, int]) -> None:
        kinds = self.graph.kinds
        if len(sources) == 1 and kinds.get(sources[0]) == "forloop":
            loop.kind, loop.latch = "range", sources[0]
        elif kinds.get(loop.header) == "foriter" and iter_body.get(loop.header) in loop.body:
            loop.kind, loop.start = "iter", iter_body[loop.header]

    def _exit(self, loop: Loop) -> None:
        exits = self._exits(loop)
        if len(exits) > 1:
            raise Unstructured("a loop exits to more than one place")
        loop.follow = next(iter(exits), None)

    def loop_at(self, pc: int) -> Loop | None:
        return self.loops.get(pc)

    # ---------------------------------------------------------- merges

    def merge(self, within: Loop | None, pc: int) -> int | None:
        """Where the two arms of the branch at `pc` meet again inside the code
        of `within` (None: they never do: each ends in a return, a `continue`
        or a `break`)."""
        merges = self._merges.get(id(within))
        if merges is None:
            merges = self._merges[id(within)] = self._post_dominators(within)
        return merges.get(pc)

    def region_successors(self, within: Loop | None, pc: int) -> list[int]:
        """Where control goes from `pc` inside the code of `within`: edges that
        continue or leave `within` end there; a nested loop is one node that
        goes on to its follow."""
        loop = self.loops.get(pc)
        if loop is not None and loop is not within and self._inside(loop, within):
            targets = [] if loop.follow is None else [loop.follow]
        else:
            targets = self.graph.successors[pc]
        found = []
        for target in targets:
            if within is not None and (target == within.again or target == within.follow or
                                       (within.kind == "range" and target == within.header)):
                continue
            if within is not None and target not in within.body:
                raise Unstructured("a jump leaves two loops at once")
            found.append(self._representative(within, target))
        return found

    def _inside(self, loop: Loop, within: Loop | None) -> bool:
        return within is None or loop.header in within.body

    def _representative(self, within: Loop | None, pc: int) -> int:
        """The node `pc` belongs to in `within`'s code: itself, or the header of
        the outermost loop nested in `within` that contains it."""
        loop = self.innermost.get(pc)
        while loop is not None and loop is not within and loop.parent is not within:
            loop = loop.parent
        if loop is None or loop is within:
            return pc
        if pc != loop.header:
            raise Unstructured("a loop is entered other than at its header")
        return pc

    def _post_dominators(self, within: Loop | None) -> dict[int, int | None]:
        """Immediate post-dominators of the nodes of `within`'s own code."""
        start = self.entry if within is None else within.start
        nodes: list[int] = []
        seen = {start}
        work = [start]
        successors: dict[int, list[int]] = {}
        while work:
            pc = work.pop()
            nodes.append(pc)
            targets = self.region_successors(within, pc)
            successors[pc] = targets
            for target in targets:
                if target not in seen:
                    seen.add(target)
                    work.append(target)
        return _immediate_post_dominators(nodes, successors)


# ------------------------------------------------------------------ graph algorithms

def _reverse_postorder(successors: dict[int, list[int]], entry: int) -> list[int]:
    order: list[int] = []
    seen = {entry}
    stack = [(entry, iter(successors[entry]))]
    while stack:
        pc, pending = stack[-1]
        for target in pending:
            if target not in seen:
                seen.add(target)
                stack.append((target, iter(successors[target])))
                break
        else:
            stack.pop()
            order.append(pc)
    order.reverse()
    return order


def _predecessors(successors: dict[int, list[int]], order: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {pc: [] for pc in order}
    for pc in order:
        for target in successors[pc]:
            found[target].append(pc)
    return found


def _dominators(successors: dict[int, list[int]], order: list[int], index: dict[int, int]) -> dict[int, int]:
    """Immediate dominators (Cooper, Harvey and Kennedy's iterative algorithm)."""
    predecessors = _predecessors(successors, order)
    entry = order[0]
    idom = {entry: entry}

    def intersect(a: int, b: int) -> int:
        while a != b:
            while index[a] > index[b]:
                a = idom[a]
            while index[b] > index[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for pc in order[1:]:
            known = [before for before in predecessors[pc] if before in idom]
            new = known[0]
            for other in known[1:]:
                new = intersect(other, new)
            if idom.get(pc) != new:
                idom[pc] = new
                changed = True
    return idom


_EXIT = -1


def _immediate_post_dominators(nodes: list[int], successors: dict[int, list[int]]) -> dict[int, int | None]:
    """Post-dominators through a virtual exit that every node without
    successors reaches; None stands for the exit."""
    reverse: dict[int, list[int]] = {_EXIT: []}
    for pc in nodes:
        reverse.setdefault(pc, [])
    for pc in nodes:
        targets = successors[pc] or [_EXIT]
        for target in targets:
            reverse[target].append(pc)
    order = _reverse_postorder(reverse, _EXIT)
    index = {pc: i for i, pc in enumerate(order)}
    pdom = _dominators(reverse, order, index)
    result: dict[int, int | None] = {}
    for pc in nodes:
        parent = pdom.get(pc)
        result[pc] = None if parent is None or parent == _EXIT else parent
    return result
