"""The one builder of page links: a query encoded whole, and the sign-in redirect's ``next``."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app import routes


def test_page_url_encodes_values_and_leaves_out_empty_ones():
    assert routes.page_url(routes.CHAT, thread="") == "/"
    assert routes.page_url(routes.TASKS, q="a&b=c d", tag="") == "/tasks?q=a%26b%3Dc+d"


def test_sign_in_url_comes_back_to_the_page_but_not_to_the_chat():
    assert routes.sign_in_url() == routes.LOGIN
    assert routes.sign_in_url(routes.CHAT) == routes.LOGIN
    assert routes.sign_in_url(routes.SETTINGS) == "/login?next=%2Fsettings"
    back = "/tasks?status=done&q=x y"
    url = urlsplit(routes.sign_in_url(back))
    assert url.path == routes.LOGIN
    assert parse_qs(url.query) == {"next": [back]}
