"""Delivery of events to other systems; see the modules below."""
