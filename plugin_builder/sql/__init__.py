"""The SQL model: what a query's Oracle SQL reads, and what Oracle would make of it.

``dictionary`` is PowerSchool's data dictionary shipped with the package; ``sqlparse`` parses
PowerQuery SQL with sqlglot's Oracle dialect; ``analysis`` resolves every column against the
dictionary; ``personal_data`` says which fields hold personal data; ``oracle/`` types binds as
PowerSchool does, knows what Oracle refuses, and translates the SQL to DuckDB for preview.
"""
