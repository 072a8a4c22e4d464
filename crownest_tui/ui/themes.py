"""Our themes, and status colours that stay readable (WCAG AA) on every theme.

``crownest`` is a calm dark palette (slate blue-grey, sage, sky blue, amber) and
``crownest-light`` its paper-coloured twin. Textual's built-in themes are kept,
except the ``ansi-*`` ones: they draw on the terminal's own background, whose
colour we cannot know, so we could not promise readable status colours there.

Status colours are CSS variables (``$status-failed``…) derived from the theme's
own warning/accent/success/error/secondary colours, nudged lighter (dark themes)
or darker (light themes) just enough to reach a 4.5:1 contrast against every
background a status is drawn on (the list's rows, striped rows and dialogs).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme
from textual.widget import Widget

from ..text.format import status_class

CROWNEST_DARK = Theme(
    name="crownest",
    primary="#5E9C94",
    secondary="#A79DDA",
    accent="#6FB3D2",
    warning="#E3B25E",
    error="#EC8A93",
    success="#7DC38E",
    foreground="#D9DEE5",
    background="#12161C",
    surface="#181D25",
    panel="#222A35",
    dark=True,
    # A quiet slate cursor, so status colours stay readable on the selected row too.
    variables={
        "block-cursor-background": "#263242",
        "block-cursor-foreground": "#E6EAF0",
        "block-cursor-blurred-background": "#20293A",
    },
)

CROWNEST_LIGHT = Theme(
    name="crownest-light",
    primary="#2F7A72",
    secondary="#5F509C",
    accent="#1D6A93",
    warning="#7F560B",
    error="#A8323A",
    success="#2E6E3C",
    foreground="#1F2933",
    background="#F5F2EB",
    surface="#FBFAF6",
    panel="#E8E3D8",
    dark=False,
    variables={
        "block-cursor-background": "#DCEBE7",
        "block-cursor-foreground": "#14202A",
        "block-cursor-blurred-background": "#E7EFEC",
    },
)
OUR_THEMES = (CROWNEST_DARK, CROWNEST_LIGHT)
#: Built-in themes we do not offer: their background is the terminal's, unknown to us.
HIDDEN_THEMES = frozenset({"ansi-dark", "ansi-light"})

AA_CONTRAST = 4.5
#: Aim a little above AA so rounding to 8-bit colours never drops below it.
_TARGET = 4.6
#: status CSS variable -> the theme colour it starts from.
STATUS_SOURCES: dict[str, str] = {
    "status-waiting": "warning",
    "status-active": "accent",
    "status-succeeded": "success",
    "status-failed": "error",
    "status-canceled": "secondary",
    "status-unknown": "foreground",
}


def register_themes(app: App[Any]) -> None:
    """Add our themes to ``app`` and drop the ones we cannot vouch for."""
    for theme in OUR_THEMES:
        app.register_theme(theme)
    for name in HIDDEN_THEMES:
        app.unregister_theme(name)


def relative_luminance(color: Color) -> float:
    """WCAG 2.x relative luminance of an opaque colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.rgb
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(foreground: Color, background: Color) -> float:
    """WCAG contrast ratio, 1.0 to 21.0 (AA asks 4.5 for normal text)."""
    light, dark = sorted(
        (relative_luminance(foreground), relative_luminance(background)), reverse=True
    )
    return (light + 0.05) / (dark + 0.05)


def readable(color: Color, backgrounds: list[Color], target: float = _TARGET) -> Color:
    """``color`` itself if it reaches ``target`` on every background, else the
    nearest step towards white (dark backgrounds) or black (light ones) that does."""
    base = color.with_alpha(1.0)

    def worst(candidate: Color) -> float:
        return min(contrast_ratio(candidate, bg) for bg in backgrounds)

    if worst(base) >= target:
        return base
    darkest = min(relative_luminance(bg) for bg in backgrounds)
    towards = Color(0, 0, 0) if darkest > 0.18 else Color(255, 255, 255)
    step = base
    for percent in range(2, 101, 2):
        step = base.blend(towards, percent / 100)
        if worst(step) >= target:
            return step
    return step


def _parse(variables: Mapping[str, str], name: str) -> Color | None:
    try:
        color = Color.parse(variables[name])
    except (KeyError, ColorParseError):
        return None
    return None if color.ansi is not None else color


#: Row tints of the runs list (RunsTable's CSS) that a status must stay readable on:
#: rows marked for the split tail, ``$accent 20%``. (Watched rows are italic, not
#: tinted; the cursor row is a highlight in the theme's own colours, like a selection,
#: and only our themes promise it.)
ROW_TINTS: tuple[tuple[str, float], ...] = (("accent", 0.20),)


def status_backgrounds(variables: Mapping[str, str]) -> list[Color]:
    """The opaque backgrounds a status is drawn on: the screen (``$background``),
    the list and dialogs (``$surface``), striped rows (``$surface-lighten-1`` at 50%),
    and each of those rows tinted as marked for the split tail."""
    background = _parse(variables, "background")
    surface = _parse(variables, "surface")
    if background is None or surface is None:
        return []
    surface = background + surface
    rows = [surface]
    stripe = _parse(variables, "surface-lighten-1")
    if stripe is not None:
        rows.append(surface + stripe.multiply_alpha(0.5))
    for source, alpha in ROW_TINTS:
        tint = _parse(variables, source)
        if tint is not None:
            rows += [row + tint.multiply_alpha(alpha) for row in rows]
    return [background, *rows]


#: The theme variables the ``$status-*`` ones are derived from.
_STATUS_INPUTS = (
    "background",
    "surface",
    "surface-lighten-1",
    *dict.fromkeys([source for source, _ in ROW_TINTS] + list(STATUS_SOURCES.values())),
)
_derived: dict[tuple[str, ...], dict[str, str]] = {}


def status_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """``$status-*`` CSS variables for a theme's resolved variables (worked out once
    per theme: Textual asks for the variables at every parse of the stylesheets, and
    the contrast search takes milliseconds)."""
    key = tuple(variables.get(name, "") for name in _STATUS_INPUTS)
    if key not in _derived:
        _derived[key] = _derive_status_variables(variables)
    return dict(_derived[key])


def _derive_status_variables(variables: Mapping[str, str]) -> dict[str, str]:
    backgrounds = status_backgrounds(variables)
    result: dict[str, str] = {}
    for name, source in STATUS_SOURCES.items():
        color = _parse(variables, source)
        if color is not None and backgrounds and name == "status-unknown":
            color = color.blend(backgrounds[0], 0.4)  # muted, like $text-muted
        if color is None or not backgrounds:
            result[name] = variables.get(source, "ansi_default")
        else:
            result[name] = readable(color, backgrounds).hex
    return result


#: Statuses drawn bold (as in the ``.status-*`` CSS rules).
BOLD_STATUS_CLASSES = frozenset({"status-active", "status-failed"})


def status_rich_style(variables: Mapping[str, str], css_class: str) -> str:
    """A Rich style string for widgets that draw Rich text rather than CSS (pass
    ``app.theme_variables``): the same readable colour as the ``.status-*`` rule."""
    color = variables.get(css_class, "")
    if not color.startswith("#"):
        return ""
    return f"bold {color}" if css_class in BOLD_STATUS_CLASSES else color


def themed_status_style(widget: Widget, status: str) -> str:
    """The Rich style of ``status`` in the app's current theme, for a widget that
    draws Rich text (it must re-render when the theme changes: see ``on_theme``)."""
    return status_rich_style(widget.app.theme_variables, status_class(status))


def on_theme(widget: Widget, rerender: Callable[[], object]) -> None:
    """Call ``rerender`` after each theme change (from ``on_mount``), once the new
    theme's variables are in place (the app's signal fires after its CSS refresh)."""

    def changed(_theme: Theme) -> None:
        rerender()

    widget.app.theme_changed_signal.subscribe(widget, changed)
