"""What the tool writes for people: findings, the reviewers' report, the administrators' guide.

``report`` renders findings as text, JSON, SARIF or GitHub annotations; ``review`` is the
reviewers' report of what each query reads and what changed; ``guide`` is the Data Export
Manager setup guide for administrators; ``mdtext`` holds the escaping Jinja environments both
use; ``docs`` regenerates the command and rule tables of README.md and docs/
(``python -m plugin_builder.reports.docs``).
"""
