import pytest

from practitioners.tests.factories import PractitionerFactory
from reviews.tests.factories import ReviewFactory


@pytest.mark.django_db
def test_smoke(partner_client):
    p = PractitionerFactory()
    ReviewFactory(practitioner=p, published=True)
    for path in [
        "/api/v1/procedures/",
        "/api/v1/practitioners/",
        f"/api/v1/practitioners/{p.pk}/",
        "/api/v1/practitioners/?verified=2",
        "/api/v1/nope",
        "/api/docs/",
        "/api/schema/",
        f"/api/v1/practitioners/{p.pk}/reviews/",
        "/api/v1/reviews/",
    ]:
        r = partner_client.get(path)
        print(path, r.status_code, r.content[:600])
