"""The project: what the user wrote, read and checked before anything is rendered.

``config`` reads ``plugin.toml`` into a typed :class:`~plugin_builder.project.config.Project`;
``catalog`` finds the query templates and their sidecars (built in and the project's own);
``scaffold`` writes a new project (``plugin-builder init``); ``versions`` guards that a
release's version went up.
"""
