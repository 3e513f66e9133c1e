"""Oracle 19c as PowerSchool runs it.

* :mod:`~plugin_builder.sql.oracle.binds`: arg values typed by the dictionary type of their
  ``column=`` (``typed_binds``), as PowerSchool binds them.
* :mod:`~plugin_builder.sql.oracle.model`: what Oracle refuses, with its ORA code, from the
  expression types the dictionary gives; the static checks and the preview both ask it.
* :mod:`~plugin_builder.sql.oracle.compat`: Oracle SQL translated to DuckDB with Oracle's
  semantics, for preview and the tests; what it does not translate is said by name.
"""
