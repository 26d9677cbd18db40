"""The hosted course where the hub cannot give each learner a system user (not root): BookOnlySpawner.

A real `canhgiac hub run` (JupyterHub, its proxy, the course service) whose operator's
file (CANHGIAC_HUB_CONFIG) sets the spawner the hub chooses when it does not run as
root; a learner on a phone taps the home's JupyterLab button and reads why not, in
Vietnamese, with the way to the book.
"""

import shutil
from urllib.parse import quote

import pytest
from course_factory import copy_course
from hub_helpers import PHONE_LEARNER, SERVICE, assert_vietnamese, first_sign_in, start_hub, stop_hub

from canhgiac.hub.spawner import BOOK_ONLY

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def hub(released_course, built_book, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub-book-only")
    course = copy_course(released_course, folder / "course")
    book = folder / "book"
    shutil.copytree(built_book, book)
    operator = folder / "jupyterhub_config.py"
    operator.write_text(
        'c.JupyterHub.spawner_class = "canhgiac.hub.spawner.BookOnlySpawner"\n', encoding="utf-8"
    )
    running = start_hub(course, book, folder, hub_config=operator, learners=(PHONE_LEARNER,))
    yield running
    assert stop_hub(running) == 0, running.log_text()[-3000:]


def test_without_root_the_home_button_says_why_in_vietnamese(hub, browser):
    """Without a system user per learner, does the home's "Mở JupyterLab của tôi" lead to a Vietnamese
    page that says why JupyterLab is not offered and points to the book, and does the learner's
    JupyterLab address then say the last start failed, in Vietnamese too?"""
    learner = PHONE_LEARNER[0]
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(f"{hub.url}/hub/login?next={quote('/hub/home', safe='')}")
        first_sign_in(page, hub, learner, "mat-khau-rieng-2026")
        page.wait_for_url("**/hub/home")
        assert_vietnamese(page, "home")
        page.get_by_role("button", name="Mở JupyterLab của tôi").tap()
        page.get_by_text("chưa mở JupyterLab cho học viên").first.wait_for(timeout=60_000)
        words = assert_vietnamese(page, "JupyterLab refused")
        assert BOOK_ONLY in words
        assert page.get_by_role("button", name="Sách khóa học").first.get_attribute("href") == SERVICE

        page.goto(f"{hub.url}/user/{learner.lower()}/lab")
        page.get_by_role("button", name="Thử mở lại JupyterLab").wait_for()
        assert BOOK_ONLY in assert_vietnamese(page, "last start failed")
    finally:
        context.close()
