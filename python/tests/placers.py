"""Placers written in Python for the tests (importable by `python -m overbook regress`)."""


class FirstFit:
    """First-fit from the node view's numbers alone: the lowest-id node the request may take
    where every resource stays within the fill target."""

    name = "mine"

    def __init__(self):
        self.calls = 0

    def place(self, request, nodes):
        self.calls += 1
        for node in nodes:
            if not node.allowed:
                continue
            if all(
                a + s <= request.fill_target * c * (1.0 + 1e-12)
                for s, c, a in zip(request.size, node.capacity, node.allocated)
            ):
                return node.id
        return None


class OpensEverything:
    """A deliberately worse placer under the same name: a new node for every request."""

    name = "mine"

    def place(self, request, nodes):
        return None


class UsesFits:
    """First-fit through the view's `fits` flag."""

    def place(self, request, nodes):
        return next((n.id for n in nodes if n.fits), None)
