"""The Zoom sandbox: Zoom's OAuth and meeting API on loopback, with faults and limits on demand."""

from __future__ import annotations

from gedsi_bot.sandbox.zoom.control import SandboxControlError, ZoomSandboxControl
from gedsi_bot.sandbox.zoom.server import ZoomSandbox
from gedsi_bot.sandbox.zoom.state import Fault, FaultKind, SandboxConfig, SandboxUser, ZoomState

__all__ = [
    "Fault",
    "FaultKind",
    "SandboxConfig",
    "SandboxControlError",
    "SandboxUser",
    "ZoomSandbox",
    "ZoomSandboxControl",
    "ZoomState",
]
