"""Figures from saved results: ``data`` reads a results folder, ``figures`` draws each figure from plain
numbers, ``draw`` picks the figures a folder supports, ``style`` sets the look and saves files."""
