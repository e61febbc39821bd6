"""The interactive explorer: a Mesa SolaraViz page (``csto-sim explore``).

:mod:`.explorer` holds the model the page re-creates and the figures it shows (no Solara needed);
:mod:`.app` is the page itself (needs the ``viz`` extra); :mod:`.cli` starts its server.
"""
