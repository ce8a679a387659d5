"""Test doubles that speak real protocols (a local HTTP server, not mocks).

`tests.fakes.platforms` serves HubSpot, Mailchimp and ActiveCampaign on
127.0.0.1 from a seeded synthetic account and knows the true monthly numbers.
"""
