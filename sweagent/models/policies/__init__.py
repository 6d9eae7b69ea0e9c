"""Scripted TEST policies shipped with the package (see `ScriptedModel`)."""

__all__: list[str] = []
