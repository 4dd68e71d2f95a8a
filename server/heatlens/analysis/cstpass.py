"""One pass over a parsed module that gives every node's position AND its children.

    positions, kids = positions_and_children(tree)

LibCST's `PositionProvider` generates the module's code once to learn positions; a visitor pass (what a
`CSTVisitor` or `node.children` costs) walks it again, rebuilding each node's child list from its fields.
Recording the parent/child structure while the code is generated costs almost nothing more, so the
detectors' walks start from this table instead (measured on a 5,000-line file: the separate visitor pass
was about as long as the parse and the positions together). The children are in the order their code is
written, which for all but whitespace nodes is `node.children`'s order too (`AsName`, `Del` put their
whitespace elsewhere); the positions are `PositionProvider`'s own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Protocol, Tuple, cast

import libcst as cst
from libcst._position import CodeRange
from libcst.metadata.position_provider import PositionProvider, PositionProvidingCodegenState


@dataclass(frozen=False)
class _State(PositionProvidingCodegenState):
    kids: Dict[cst.CSTNode, List[cst.CSTNode]] = field(default_factory=dict)
    path: List[cst.CSTNode] = field(default_factory=list)
    listener: Optional["Listener"] = None

    def before_codegen(self, node: cst.CSTNode) -> None:
        # the base class is re-created by `add_slots`: call it by name, not through super()
        PositionProvidingCodegenState.before_codegen(self, node)
        if self.path:
            self.kids[self.path[-1]].append(node)
        self.kids[node] = []
        if self.listener is not None:
            self.listener.on_visit(node)
        self.path.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.path.pop()
        if self.listener is not None:
            self.listener.on_leave(node)
        PositionProvidingCodegenState.after_codegen(self, node)


class Listener(Protocol):
    """Told of every node as its code is generated: pre-order, and again after its subtree."""

    def on_visit(self, node: cst.CSTNode) -> None: ...

    def on_leave(self, node: cst.CSTNode) -> None: ...


class _Provider(PositionProvider):
    def __init__(self, listener: Optional[Listener]) -> None:
        super().__init__()
        self.listener = listener

    def _gen_impl(self, module: cst.Module) -> None:
        self.state = _State(default_indent=module.default_indent, default_newline=module.default_newline, provider=self,
                            listener=self.listener)
        module._codegen(self.state)


def positions_and_children(tree: cst.Module, listener: Optional[Listener] = None) -> Tuple[
        Mapping[cst.CSTNode, CodeRange], Dict[cst.CSTNode, List[cst.CSTNode]]]:
    """(`PositionProvider`'s ranges, each node's children) of `tree`, from one generation of its code;
    `listener` is walked over the tree in the same pass (so a parse needs no visitor pass of its own)."""
    provider = _Provider(listener)
    provider._gen_impl(tree)
    return cast(Mapping[cst.CSTNode, CodeRange], provider._computed), provider.state.kids
