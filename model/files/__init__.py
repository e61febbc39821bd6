"""Reading and writing files, in one place.

``formats``   the version string and every format name
``yamlsafe``  the one safe YAML reader (unique keys, no tags, no aliases, a size cap)
``fields``    :class:`Reader`: typed field validation raising one-line InputErrors
``outdir``    the one output-folder check (creatable, writable, of the right kind)
``atomic``    the one atomic writer (text, JSON, Parquet, a whole folder)
``manifest``  the one manifest writer; :func:`code_version`
``runfolder`` the folder of one run (``csto-sim run --out``): what it holds and how it is written

Nothing here imports the sweep engine, the plots or the command line; of the core, only the ladder (the
names of the rungs, for a run's trace). ``model/seeds.py`` derives seeds (numpy only, used by the core).
"""
