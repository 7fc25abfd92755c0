"""Text search on PostgreSQL: a search_text column kept by triggers, with GIN indexes.

``search_text`` holds a practitioner's name, clinic name and city, lower-cased and
unaccented. Triggers keep it right whoever writes (services, bulk seeding, the admin):
one on practitioners for their own name and clinic, one on clinics for a renamed or moved
clinic. Two GIN indexes answer the search: full text (to_tsvector 'simple') and trigrams
(pg_trgm), so typos still match. Everything but the column is PostgreSQL-only and is
skipped on SQLite, where search reads the name, clinic and city columns directly.
"""

from django.db import migrations, models

from kernel.migration_operations import postgres_only_sql

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE OR REPLACE FUNCTION practitioner_search_text(first text, last text, clinic bigint)
    RETURNS text LANGUAGE sql STABLE AS $$
        SELECT lower(unaccent(concat_ws(' ', first, last, c.name, c.city)))
        FROM (SELECT 1) AS one
        LEFT JOIN practitioners_clinic AS c ON c.id = clinic
    $$
    """,
    """
    CREATE OR REPLACE FUNCTION practitioner_search_text_set() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_text := practitioner_search_text(NEW.first_name, NEW.last_name, NEW.clinic_id);
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER practitioner_search_text_trigger
    BEFORE INSERT OR UPDATE OF first_name, last_name, clinic_id, search_text
    ON practitioners_practitioner
    FOR EACH ROW EXECUTE FUNCTION practitioner_search_text_set()
    """,
    """
    CREATE OR REPLACE FUNCTION clinic_search_text_refresh() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.name IS DISTINCT FROM OLD.name OR NEW.city IS DISTINCT FROM OLD.city THEN
            UPDATE practitioners_practitioner
            SET search_text = practitioner_search_text(first_name, last_name, clinic_id)
            WHERE clinic_id = NEW.id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER clinic_search_text_trigger
    AFTER UPDATE OF name, city ON practitioners_clinic
    FOR EACH ROW EXECUTE FUNCTION clinic_search_text_refresh()
    """,
    """
    UPDATE practitioners_practitioner
    SET search_text = practitioner_search_text(first_name, last_name, clinic_id)
    """,
    """
    CREATE INDEX practitioner_search_fts_idx ON practitioners_practitioner
    USING gin (to_tsvector('simple'::regconfig, search_text))
    """,
    """
    CREATE INDEX practitioner_search_trgm_idx ON practitioners_practitioner
    USING gin (search_text gin_trgm_ops)
    """,
]

BACKWARD = [
    "DROP INDEX IF EXISTS practitioner_search_trgm_idx",
    "DROP INDEX IF EXISTS practitioner_search_fts_idx",
    "DROP TRIGGER IF EXISTS clinic_search_text_trigger ON practitioners_clinic",
    "DROP FUNCTION IF EXISTS clinic_search_text_refresh()",
    "DROP TRIGGER IF EXISTS practitioner_search_text_trigger ON practitioners_practitioner",
    "DROP FUNCTION IF EXISTS practitioner_search_text_set()",
    "DROP FUNCTION IF EXISTS practitioner_search_text(text, text, bigint)",
]


class Migration(migrations.Migration):
    dependencies = [("practitioners", "0004_attestation_number_index")]

    operations = [
        migrations.AddField(
            model_name="practitioner",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        postgres_only_sql(FORWARD, BACKWARD),
    ]
