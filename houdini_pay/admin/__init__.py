"""The nonprofit staff dashboard at ``/admin``, served by ``houdini-pay serve``.

Staff of one nonprofit sign in with an e-mail address and a password and see only that
nonprofit's payments, approvals, keys and staff; what they may change depends on their role
(:mod:`~houdini_pay.admin.accounts`). Pages are rendered on the server with the donor
pages' look; every form carries a CSRF token; every change is written to the audit log.

- :mod:`~houdini_pay.admin.models`: the tables (staff members, sessions, audit log);
- :mod:`~houdini_pay.admin.accounts`: passwords, roles, sign-in and lockout;
- :mod:`~houdini_pay.admin.sessions`: session cookies and their expiry;
- :mod:`~houdini_pay.admin.routes`: ``install_admin``, which adds the pages to the API.

This module imports nothing, so the tables can be collected without FastAPI or Jinja2.
See docs/dashboard.md.
"""
