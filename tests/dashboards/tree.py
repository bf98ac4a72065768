"""Looking things up in a Dash layout tree, for tests that render a page's layout function."""

from __future__ import annotations

from typing import Any


def path_to(component: Any, component_id: str) -> list[Any]:
    """The components from the root down to the one with this id (empty when it is not there)."""
    if getattr(component, "id", None) == component_id:
        return [component]
    children = getattr(component, "children", None)
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            below = path_to(child, component_id)
            if below:
                return [component, *below]
    return []


def find(component: Any, component_id: str) -> Any:
    """The component with this id in a layout tree, or None."""
    path = path_to(component, component_id)
    return path[-1] if path else None
