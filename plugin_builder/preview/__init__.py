"""``plugin-builder preview``: run every query on a DuckDB district and check what it returns.

``sources`` loads the district (``synthetic``, a DuckDB file or CSV extracts); ``runner`` runs
the queries through the Oracle layer (:mod:`plugin_builder.sql.oracle`); ``writers`` writes the
receivers' files with the facts in ``formats``; ``checkers`` holds the ``PV6xx`` rules that
judge them.
"""
