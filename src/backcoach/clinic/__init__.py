"""Clinic mode: accounts and roles, invites, web sessions, sign-in throttling, patient scoping.

Above ``journal`` and ``reports``, below the front ends. ``Clinic`` (in ``clinic.service``)
is the one object a front end holds: it opens the database and answers who someone is and
which patient's journal they may read.
"""
