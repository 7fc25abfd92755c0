"""Places resolved offline, and the geometry of a radius search."""

import pytest

from listings import geo


def test_a_city_resolves_to_the_most_populous_place_of_that_name():
    place = geo.resolve_place("Portland")
    assert place.name == "Portland, OR"
    assert place.latitude == pytest.approx(45.52, abs=0.05)
    assert place.longitude == pytest.approx(-122.68, abs=0.05)


def test_a_state_after_a_comma_picks_that_city():
    place = geo.resolve_place("Portland, ME")
    assert place.name == "Portland, ME"
    assert place.latitude == pytest.approx(43.66, abs=0.05)


def test_a_city_is_found_whatever_its_case_accents_and_spacing():
    assert geo.resolve_place("  sao   PAULO ").name == "São Paulo, BR"


def test_an_alternate_name_finds_the_city():
    assert geo.resolve_place("New York").name == "New York City, NY"


def test_a_country_after_a_comma_picks_that_city():
    assert geo.resolve_place("London, Canada").name == "London, CA"
    assert geo.resolve_place("London, GB").name == "London, GB"


def test_a_us_zip_code_resolves_to_its_coordinates():
    place = geo.resolve_place("78701")
    assert place.name == "78701 (Austin, TX)"
    assert place.latitude == pytest.approx(30.27, abs=0.01)
    assert place.longitude == pytest.approx(-97.74, abs=0.01)


def test_a_zip_plus_four_uses_the_five_digit_code():
    assert geo.resolve_place("78701-1234").name == "78701 (Austin, TX)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Qwertyville", "We couldn't find a place called “Qwertyville”"),
        ("Austin, Narnia", "We couldn't find a place called “Austin, Narnia”"),
        ("00000", "We don't know the US ZIP code 00000."),
        ("", "Enter a city or a US ZIP code."),
        ("x" * 101, "Enter at most 100 characters for a place."),
    ],
)
def test_an_unknown_place_says_so_in_words(text, message):
    with pytest.raises(geo.UnknownPlace, match=message):
        geo.resolve_place(text)


def test_the_haversine_distance_between_austin_and_dallas_is_about_293_km():
    assert geo.haversine_km(30.2672, -97.7431, 32.7767, -96.7970) == pytest.approx(293, abs=3)


def test_every_point_at_the_radius_lies_inside_the_bounding_box():
    lat, lng, radius = 45.0, 10.0, 100.0
    box = geo.bounding_box(lat, lng, radius)
    # Points 99.9 km away north, south, east and west.
    step = 99.9 / 111.195
    for d_lat in (step, -step):
        assert box.min_lat <= lat + d_lat <= box.max_lat
    east_west = 99.9 / (111.195 * 0.7071)
    for d_lng in (east_west, -east_west):
        assert geo.haversine_km(lat, lng, lat, lng + d_lng) < radius
        assert box.min_lng <= lng + d_lng <= box.max_lng


def test_a_box_across_the_antimeridian_wraps_around():
    box = geo.bounding_box(0.0, 179.9, 50)
    assert box.crosses_antimeridian
    assert box.min_lng > 179
    assert box.max_lng < -179


def test_a_box_around_a_pole_spans_every_longitude():
    box = geo.bounding_box(89.9, 0.0, 50)
    assert (box.min_lng, box.max_lng, box.max_lat) == (-180.0, 180.0, 90.0)
