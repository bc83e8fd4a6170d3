"""The study portal (``carlcities serve``): accounts, roles, storage of the edits, publishing.

The account library lives in :mod:`carlcities.portal.accounts` (one :class:`AccountStore`
over SQLite or PostgreSQL); roles and the authorisation matrix in
:mod:`carlcities.portal.roles`. Import them from those modules: this package stays tiny so
that the web application's modules can be added beside them.
"""
