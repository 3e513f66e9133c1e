"""Render and package: the plugin's files, in memory and then as a ZIP, and read back again.

``templating`` holds the Jinja environments and the quoting filters; ``render`` makes the
plugin tree (plugin.xml, the named queries, permissions) with each SQL line mapped to its
template line; ``package`` writes the deterministic ZIP atomically. Reading plugins back:
``archive`` lists and reads a ZIP or folder safely, ``zipread`` reads a previous release
strictly, ``model`` parses the plugin XML into what the checks need, and ``lint`` runs the
checks on a plugin built elsewhere.
"""
