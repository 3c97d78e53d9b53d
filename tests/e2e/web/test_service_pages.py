"""The customers, enrollments and marketing pages in a real browser, against the real services in
`patron dev`."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from tests.devserver import DevServer
from tests.e2e.web.conftest import require

pytestmark = pytest.mark.e2e


def unique_email() -> str:
    return f"web-{uuid.uuid4().hex[:10]}@example.com"


def test_create_and_edit_a_customer_with_field_errors(page: Page, dev: DevServer, deployed: set[str]) -> None:
    require(deployed, "crm")
    email = unique_email()
    page.goto("/customers")
    create = page.get_by_test_id("customer-create")

    # a validation error from the API lands next to its field
    create.get_by_label("First name").fill("Ada")
    create.get_by_label("Last name").fill("Lovelace")
    create.get_by_label("E-mail address").fill("not-an-email")
    create.get_by_role("button", name="Create customer").click()
    expect(page.get_by_test_id("customer-create-status")).to_contain_text("Error:")
    expect(create.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    expect(create.get_by_label("First name")).not_to_have_attribute("aria-invalid", "true")

    create.get_by_label("E-mail address").fill(email)
    create.get_by_label("City").fill("London")
    create.get_by_label("email", exact=True).check()
    create.get_by_role("button", name="Create customer").click()
    expect(page.get_by_test_id("customer-create-status")).to_have_text("Success: Created Ada Lovelace.")

    # find it in the list, then edit it
    page.get_by_label("Filter by e-mail").fill(email)
    page.get_by_role("button", name="Apply").click()
    row = page.get_by_test_id("customer-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(email)
    row.get_by_role("button", name="Edit Ada Lovelace").click()
    edit = page.get_by_test_id("customer-edit")
    expect(edit.get_by_label("First name")).to_be_focused()  # focus follows the action
    edit.get_by_label("Lifetime value").fill("-5")
    edit.get_by_role("button", name="Save changes").click()
    expect(edit.get_by_label("Lifetime value")).to_have_attribute("aria-invalid", "true")

    edit.get_by_label("Lifetime value").fill("1250.5")
    edit.get_by_label("Status").select_option("inactive")
    edit.get_by_role("button", name="Save changes").click()
    expect(page.get_by_test_id("customer-edit-status")).to_have_text("Success: Saved Ada Lovelace.")
    expect(row).to_contain_text("inactive")
    expect(row).to_contain_text("1250.5")

    row.get_by_role("button", name="Delete Ada Lovelace").click()
    row.get_by_role("button", name="Confirm delete Ada Lovelace").click()
    expect(page.get_by_test_id("customers-status")).to_have_text("Success: Deleted Ada Lovelace.")
    expect(page.get_by_test_id("customer-row")).to_have_count(0)


def test_seed_fills_the_list_and_pages_through_it(page: Page, dev: DevServer, deployed: set[str]) -> None:
    require(deployed, "crm")
    page.goto("/customers")

    page.get_by_role("button", name="Seed sample customers").click()

    # not the pending "Seeding sample customers…": the seed must be over before paging
    expect(page.get_by_test_id("customers-status")).to_contain_text(
        re.compile(r"Created \d+ sample|already there")
    )
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("customer-row").first).to_be_visible()
    if page.get_by_role("button", name="Next page").is_enabled():
        page.get_by_role("button", name="Next page").click()
        expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
        expect(page.get_by_role("button", name="Previous page")).to_be_enabled()


def test_enroll_and_watch_it_become_processed(page: Page, dev: DevServer, deployed: set[str]) -> None:
    require(deployed, "enrollment")
    page.goto("/enrollments")
    groups = page.get_by_test_id("age-group-create")

    # an age group the API refuses (a string), then the brief's one
    groups.get_by_label("Minimum age").fill("eighteen")
    groups.get_by_label("Maximum age").fill("25")
    groups.get_by_role("button", name="Add age group").click()
    expect(page.get_by_test_id("age-groups-status")).to_contain_text("Error:")
    groups.get_by_label("Minimum age").fill("18")
    groups.get_by_role("button", name="Add age group").click()
    expect(page.get_by_test_id("age-groups-status")).to_have_text(
        re.compile(
            r"Success: Created the age group for ages 18 to 25\.|Info: Ages 18 to 25 are a group already\."
        )
    )
    expect(page.get_by_test_id("age-groups")).to_contain_text("Ages 18 to 25")

    enroll = page.get_by_test_id("enroll")
    enroll.get_by_label("Name").fill("John Doe")
    enroll.get_by_label("Age").fill("151")
    enroll.get_by_label("CPF").fill("123.456.789-00")
    enroll.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("enroll-status")).to_contain_text("Error:")

    enroll.get_by_label("Age").fill("22")
    enroll.get_by_role("button", name="Enroll").click()
    expect(page.get_by_test_id("enroll-status")).to_contain_text("Enrollment accepted (PENDING)")
    status = page.get_by_test_id("enrollment").first.get_by_test_id("enrollment-status")
    # no reload, no click: the page polls until the processor is done
    expect(status).to_have_text("PROCESSED", timeout=45_000)
    expect(page.get_by_test_id("enrollment").first).to_contain_text("Processed at")


def test_the_brief_000_example_batch(page: Page, dev: DevServer, deployed: set[str]) -> None:
    require(deployed, "marketing")
    page.goto("/preferences")

    page.get_by_role("button", name="Use the example batch").click()
    page.get_by_role("button", name="Submit batch").click()

    expect(page.get_by_test_id("marketing-execution-status")).to_have_text("SUCCEEDED", timeout=60_000)
    expect(page.get_by_test_id("summary-received")).to_have_text("3")
    expect(page.get_by_test_id("summary-duplicates_removed")).to_have_text("1")
    expect(page.get_by_test_id("summary-stored")).to_have_text("1")
    expect(page.get_by_test_id("summary-rejected")).to_have_text("0")
    expect(page.get_by_test_id("marketing-status")).to_contain_text("Done: 1 stored")

    page.get_by_label("E-mail", exact=True).fill("janedoe@example.com")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("preferences-lookup-status")).to_contain_text("Jane Doe is opted in")
    page.get_by_label("E-mail", exact=True).fill("johndoe@example.com")
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_test_id("preferences-lookup-status")).to_contain_text("No stored interests")


def test_an_excel_csv_is_read_by_the_console_as_by_the_importer(
    page: Page, dev: DevServer, deployed: set[str], tmp_path: Path
) -> None:
    # Excel in many locales: a byte order mark, ";" between fields, headers in its own letter case
    require(deployed, "marketing")
    csv = tmp_path / "excel.csv"
    csv.write_bytes(
        "\ufeffEMAIL;name;MarketingOptIn;marketinginterests\r\nzoe@example.com;Zoe;y;news|events\r\n".encode()
    )
    page.goto("/preferences")

    page.get_by_label("Upload JSON or CSV").set_input_files(csv)

    expect(page.get_by_test_id("marketing-status")).to_contain_text("Loaded 1 records from excel.csv")
    assert json.loads(page.get_by_label("Records").input_value()) == [
        {
            "Name": "Zoe",
            "Email": "zoe@example.com",
            "MarketingOptIn": True,
            "MarketingInterests": ["news", "events"],
        }
    ]


def test_a_csv_upload_with_a_bad_row_shows_the_rejection(
    page: Page, dev: DevServer, deployed: set[str], tmp_path: Path
) -> None:
    require(deployed, "marketing")
    csv = tmp_path / "batch.csv"
    csv.write_text(
        "Name,Email,MarketingOptIn,MarketingInterests\n"
        'Mia Wong,mia@example.com,yes,"promotions; newsletters"\n'
        "No Email,not-an-email,true,promotions\n"
    )
    page.goto("/preferences")

    page.get_by_label("Upload JSON or CSV").set_input_files(csv)
    expect(page.get_by_test_id("marketing-status")).to_contain_text("Loaded 2 records from batch.csv")
    assert json.loads(page.get_by_label("Records").input_value())[0]["MarketingInterests"] == [
        "promotions",
        "newsletters",
    ]
    page.get_by_role("button", name="Submit batch").click()

    expect(page.get_by_test_id("summary-rejected")).to_have_text("1", timeout=60_000)
    rejected = page.get_by_test_id("rejected-rows")
    expect(rejected.locator("tbody tr")).to_have_count(1)
    expect(rejected.locator("tbody tr td").first).to_have_text("1")
    expect(rejected).to_contain_text("not-an-email")


def test_a_batch_that_is_not_json_is_caught_before_sending(
    page: Page, dev: DevServer, deployed: set[str]
) -> None:
    require(deployed, "marketing")
    page.goto("/preferences")

    page.get_by_label("Records").fill('[{"Name": "x",')
    page.get_by_role("button", name="Submit batch").click()

    expect(page.get_by_label("Records")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("marketing-status")).to_have_text("Error: Fix the batch first.")


def test_an_age_outside_every_group_is_said_once(page: Page, dev: DevServer, deployed: set[str]) -> None:
    require(deployed, "enrollment")
    groups = requests.get(f"{dev.url}/enrollment/age-groups", headers=dev.headers, timeout=10).json()
    for group in groups:  # other tests (the fuzzer) may have made a group that holds 149
        if group["min_age"] <= 149 <= group["max_age"]:
            requests.delete(f"{dev.url}/enrollment/age-groups/{group['id']}", headers=dev.headers, timeout=10)
    page.goto("/enrollments")
    form = page.get_by_test_id("enroll")

    form.get_by_label("Name").fill("Old Timer")
    form.get_by_label("Age").fill("149")
    form.get_by_label("CPF").fill("12345678900")
    form.get_by_role("button", name="Enroll").click()

    expect(form.get_by_label("Age")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("enroll-status")).to_have_text("Error: Check the highlighted field.")
    expect(page.get_by_text("not inside any registered age group")).to_have_count(1)


def test_a_10_mb_file_goes_through_an_upload(
    page: Page, dev: DevServer, deployed: set[str], tmp_path: Path
) -> None:
    require(deployed, "marketing")
    interests = ["product updates", "promotions", "newsletters", "events", "surveys", "partner offers"]
    batch = [
        {"Name": f"Browser customer {i:06d}", "Email": f"browser{i}@example.com", "MarketingOptIn": True,
         "MarketingInterests": interests}
        for i in range(50_000)
    ]  # fmt: skip
    batch[7]["Email"] = "not-an-email"
    path = tmp_path / "large.json"
    path.write_text(json.dumps(batch))
    assert path.stat().st_size > 9_000_000
    page.goto("/preferences")

    page.get_by_label("Upload JSON or CSV").set_input_files(path)
    expect(page.get_by_test_id("marketing-status")).to_contain_text("Loaded 50000 records from large.json")
    with page.expect_response(lambda r: r.url.startswith(f"http://127.0.0.1:{dev.aws_port}/")) as put:
        page.get_by_role("button", name="Submit batch").click()

    assert (put.value.request.method, put.value.status) == ("PUT", 200)  # straight to S3, through CORS
    expect(page.get_by_test_id("marketing-execution-status")).to_have_text("SUCCEEDED", timeout=120_000)
    expect(page.get_by_test_id("summary-received")).to_have_text("50000")
    expect(page.get_by_test_id("summary-stored")).to_have_text("49999")
    expect(page.get_by_test_id("summary-rejected")).to_have_text("1")
    expect(page.get_by_test_id("rejected-rows").locator("tbody tr td").first).to_have_text("7")
