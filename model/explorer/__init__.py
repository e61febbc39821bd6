"""The interactive explorer: a Mesa SolaraViz page (``csto-sim explore``).

:mod:`.explorer` holds the model the page re-creates (no Solara needed; its figures are in
:mod:`model.plots.explorer`);
:mod:`.app` is the page itself (needs the ``viz`` extra); :mod:`.serve` starts its server.
"""
