"""American English by default, British English by Accept-Language or the footer's switch."""

import datetime
import re
import shutil
from html import unescape

import polib
import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from directory import translations
from listings import geo
from practitioners.badges import refresh_badge
from practitioners.tests.factories import AttestationFactory, ClinicFactory, PractitionerFactory

pytestmark = pytest.mark.django_db

AUSTIN = {"city": "Austin", "region": "TX", "latitude": 30.2672, "longitude": -97.7431}
# About 28 km (17.4 miles) from Austin's centre.
ROUND_ROCK = {"city": "Round Rock", "region": "TX", "latitude": 30.5083, "longitude": -97.6789}
CHECKED = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)
BRITISH = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}


@pytest.fixture(autouse=True)
def no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def text(response) -> str:
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", unescape(html).replace("\u00a0", " "))


def names(response) -> list[str]:
    found = re.findall(r'class="result-name"><a [^>]*>([^<]+)</a>', response.content.decode())
    return [unescape(name) for name in found]


def practitioner_at(where=AUSTIN, first="Ann", last="Lee"):
    return PractitionerFactory(
        first_name=first, last_name=last, clinic=ClinicFactory(name=f"{first}'s clinic", **where)
    )


@pytest.fixture
def verified():
    """A verified practitioner in Austin whose license was last checked on 2 March 2026."""
    practitioner = practitioner_at()
    AttestationFactory(practitioner=practitioner, verified=True, verified_at=CHECKED)
    AttestationFactory(practitioner=practitioner, verified=True, sterilization=True)
    refresh_badge(practitioner.pk)
    return practitioner


# -- The profile and the search in each English ------------------------------------------


def test_by_default_the_profile_speaks_american_english_with_us_dates(client, verified):
    response = client.get(verified.get_absolute_url())
    page = text(response)

    assert '<html lang="en-us">' in response.content.decode()
    assert "License" in page
    assert "licence" not in page.lower()
    assert "Last checked Mar 2, 2026" in page
    assert "2 Mar 2026" not in page
    assert "2026-03-02 " not in page


def test_a_british_browser_reads_licence_and_uk_dates_on_the_profile(client, verified):
    response = client.get(verified.get_absolute_url(), **BRITISH)
    page = text(response)

    assert '<html lang="en-gb">' in response.content.decode()
    assert "Licence" in page
    assert "License " not in page
    assert "Last checked 2 Mar 2026" in page
    assert "Mar 2, 2026" not in page


def test_the_search_shows_miles_by_default_and_kilometres_to_a_british_browser(client):
    practitioner_at(AUSTIN, "Ann", "Lee")
    practitioner_at(ROUND_ROCK, "Rob", "Rock")

    american = client.get("/practitioners/?near=Austin")
    british = client.get("/practitioners/?near=Austin", **BRITISH)

    # The default radius is 25 of the visitor's unit: 25 miles reaches Round Rock, 25 km not.
    assert names(american) == ["Ann Lee", "Rob Rock"]
    assert "within 25 mi of Austin, TX" in text(american)
    assert re.search(r"Rob Rock .*? 17\.\d mi away", text(american))
    assert '<option value="25" selected>25\u00a0mi</option>' in american.content.decode()
    assert "Verified license and sterilization" in text(american)
    assert names(british) == ["Ann Lee"]
    assert "within 25 km of Austin, TX" in text(british)
    assert '<option value="25" selected>25\u00a0km</option>' in british.content.decode()
    assert "Verified licence and sterilization" in text(british)


def test_a_radius_in_miles_finds_the_same_practitioners_as_the_same_radius_in_km(client):
    practitioner_at(AUSTIN, "Ann", "Lee")
    practitioner_at(ROUND_ROCK, "Rob", "Rock")

    for miles, expected in ((15, ["Ann Lee"]), (20, ["Ann Lee", "Rob Rock"])):
        in_miles = client.get(f"/practitioners/?near=Austin&radius_mi={miles}")
        in_km = client.get(f"/practitioners/?near=Austin&radius_km={miles * 1.609344}", **BRITISH)
        assert names(in_miles) == names(in_km) == expected


def test_a_page_in_miles_reads_a_shared_link_in_km_and_shows_it_in_miles(client):
    practitioner_at(ROUND_ROCK, "Rob", "Rock")

    response = client.get("/practitioners/?near=Austin&radius_km=50")

    assert names(response) == ["Rob Rock"]
    assert "within 31.1 mi of Austin, TX" in text(response)
    assert '<option value="31.1" selected>31.1\u00a0mi</option>' in response.content.decode()


def test_a_radius_given_in_both_units_is_a_clear_error(client):
    response = client.get("/practitioners/?near=Austin&radius_km=10&radius_mi=10")

    assert response.status_code == 400
    assert "Give the radius in km or in miles, not both." in text(response)


def test_a_radius_in_miles_beyond_500_km_is_refused_in_miles(client):
    response = client.get("/practitioners/?near=Austin&radius_mi=400")

    assert response.status_code == 400
    assert "Enter a radius in miles between 1 and 310." in text(response)


def test_an_empty_search_offers_the_next_radius_in_the_visitors_unit(client):
    practitioner_at(ROUND_ROCK, "Rob", "Rock")

    response = client.get("/practitioners/?near=Austin&radius_mi=10")

    assert names(response) == []
    assert "Search within 25 mi instead" in text(response)
    link = re.search(r'<a href="\?([^"]+)">Search within 25', response.content.decode())
    assert names(client.get("/practitioners/?" + unescape(link.group(1)))) == ["Rob Rock"]


def test_the_partner_api_still_takes_radius_km_and_answers_in_km(partner_client):
    practitioner_at(ROUND_ROCK, "Rob", "Rock")
    url = reverse("api:practitioner-list")

    near = partner_client.get(url, {"near": "Austin", "radius_km": "20"})
    wider = partner_client.get(url, {"near": "Austin", "radius_km": "30"})
    schema = partner_client.get("/api/schema/", {"format": "json"}).json()

    assert near.status_code == wider.status_code == 200
    assert near.json()["results"] == []
    [row] = wider.json()["results"]
    assert row["distance_km"] == pytest.approx(28, abs=1)
    parameters = schema["paths"]["/api/v1/practitioners/"]["get"]["parameters"]
    assert "radius_km" in {p["name"] for p in parameters}
    assert "radius_mi" not in {p["name"] for p in parameters}


def test_london_means_a_us_town_first_and_london_gb_when_asked():
    assert geo.resolve_place("London").name == "London, KY"
    assert geo.resolve_place("London, UK").name == "London, GB"
    assert geo.resolve_place("Paris").name == "Paris, TX"


def test_the_rule_prefers_a_us_place_even_over_a_much_larger_one_abroad():
    london = geo._City("London", 51.5, -0.1, 8_961_989, "GB", "ENG")
    small_town = geo._City("London", 37.1, -84.1, -994, "US", "KY")
    city = geo._City("London", 42.9, -81.2, 422_324, "CA", "08")

    assert geo.best_match([london, city, small_town]) is small_town
    assert geo.best_match([london, city]) is london
    assert geo.best_match([]) is None


# -- The language switch -----------------------------------------------------------------


def csrf_token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())[1]


def test_the_footer_switch_sets_british_english_and_it_stays_set(verified):
    client = Client(enforce_csrf_checks=True)
    page = client.get(verified.get_absolute_url())
    assert 'action="/i18n/setlang/"' in page.content.decode()

    switched = client.post(
        "/i18n/setlang/",
        {
            "language": "en-gb",
            "next": verified.get_absolute_url(),
            "csrfmiddlewaretoken": csrf_token_of(page),
        },
    )

    assert switched.status_code == 302
    assert switched["Location"] == verified.get_absolute_url()
    later = text(client.get(verified.get_absolute_url()))
    assert "Last checked 2 Mar 2026" in later
    assert "Licence" in later
    search = client.get("/practitioners/?near=Austin")
    assert "within 25 km of Austin, TX" in text(search)
    assert '<option value="en-gb" selected>British English</option>' in search.content.decode()


def test_the_switch_refuses_a_post_without_the_csrf_token(verified):
    client = Client(enforce_csrf_checks=True)

    response = client.post("/i18n/setlang/", {"language": "en-gb", "next": "/"})

    assert response.status_code == 403
    assert "Mar 2, 2026" in text(client.get(verified.get_absolute_url()))


def test_the_switch_back_to_american_english_wins_over_a_british_browser(verified):
    client = Client(**BRITISH)
    client.post("/i18n/setlang/", {"language": "en-us", "next": "/"})

    assert "Last checked Mar 2, 2026" in text(client.get(verified.get_absolute_url()))


@override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    PAGE_CACHE_SECONDS=60,
)
def test_cached_pages_are_kept_per_language_and_give_each_visitor_their_own_token(verified):
    cache.clear()
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    url = verified.get_absolute_url()

    stored = first.get(url)
    served = second.get(url)
    british = second.get(url, **BRITISH)

    assert (stored["X-Page-Cache"], served["X-Page-Cache"]) == ("miss", "hit")
    assert british["X-Page-Cache"] == "miss"
    assert "Last checked 2 Mar 2026" in text(british)
    assert "Last checked Mar 2, 2026" in text(served)
    assert csrf_token_of(served) != csrf_token_of(stored)
    # The token served from the cache is the visitor's own: their switch works.
    switched = second.post(
        "/i18n/setlang/",
        {"language": "en-gb", "next": url, "csrfmiddlewaretoken": csrf_token_of(served)},
    )
    assert switched.status_code == 302
    cache.clear()


# -- Dates and the translation catalog ---------------------------------------------------


def test_a_lapsed_license_is_dated_in_the_visitors_english(client):
    practitioner = practitioner_at()
    expired = timezone.localdate() - datetime.timedelta(days=3)
    AttestationFactory(practitioner=practitioner, verified=True, expires_on=expired)
    refresh_badge(practitioner.pk)

    american = text(client.get(practitioner.get_absolute_url()))
    british = text(client.get(practitioner.get_absolute_url(), **BRITISH))

    assert f"License expired on {expired:%b %-d, %Y}" in american
    assert f"Licence expired on {expired:%-d %b %Y}" in british
    assert expired.isoformat() + " " not in american + british


def test_every_committed_mo_file_matches_its_po_file():
    catalogs = translations.catalogs()

    assert [p.relative_to(translations.LOCALE_DIR).as_posix() for p in catalogs] == [
        "en_GB/LC_MESSAGES/django.po"
    ]
    stale = [str(p) for p in catalogs if translations.is_stale(p)]
    assert stale == [], "Recompile: .venv/bin/python -m directory.translations"


def test_a_po_file_edited_without_recompiling_is_caught(tmp_path):
    [po_path] = translations.catalogs()
    edited = tmp_path / "django.po"
    shutil.copy(po_path, edited)
    shutil.copy(po_path.with_suffix(".mo"), tmp_path / "django.mo")
    assert not translations.is_stale(edited)

    catalog = polib.pofile(str(edited))
    catalog.append(polib.POEntry(msgid="color", msgstr="colour"))
    catalog.save()

    assert translations.is_stale(edited)


def test_the_partner_api_answers_in_american_english_to_a_british_request(partner_client):
    practitioner = practitioner_at()
    expired = timezone.localdate() - datetime.timedelta(days=3)
    AttestationFactory(practitioner=practitioner, verified=True, expires_on=expired)
    refresh_badge(practitioner.pk)
    url = reverse("api:practitioner-detail", args=[practitioner.pk])

    response = partner_client.get(url, **BRITISH)

    assert response.status_code == 200
    assert response.json()["verification"]["missing"][0] == (
        f"license expired on {expired:%b %-d, %Y}"
    )
