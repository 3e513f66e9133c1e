"""``plugin-builder serve``: PowerSchool's PowerQuery API on your own machine.

``plugin`` loads the plugin (a project or a ZIP built elsewhere) and decides what the API may
serve; ``binds`` types a request's args; ``engine`` runs the queries on the preview district
through the Oracle layer and pages their results; ``auth`` issues and checks tokens; ``app``
is the Starlette application; ``server`` binds the socket and runs uvicorn.
"""
