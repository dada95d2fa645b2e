"""The canonical contract: the raw tables every portal is mapped onto.

dbt models read only these names, so a new portal needs a mapping in the portal
configuration and nothing else. Every value is stored as text in the raw layer:
typing happens in dbt staging, where a value that does not parse is flagged and
quarantined instead of being lost on the way in.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CanonicalEntity:
    """One canonical raw table: its key and the columns a portal maps onto it."""

    name: str
    key: str
    required_columns: tuple[str, ...]
    optional_columns: tuple[str, ...] = ()
    description: str = ""
    # Columns of free text that customers write; personal data in them is masked on ingest.
    free_text_columns: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required_columns + self.optional_columns


CUSTOMERS = CanonicalEntity(
    name="customers",
    key="customer_id",
    required_columns=("customer_id",),
    optional_columns=(
        "customer_segment",
        "plan",
        "region",
        "signed_up_at",
        "is_test_account",
    ),
    description="Customers (or accounts) of the portal with their segment attributes.",
)

SURVEY_INVITATIONS = CanonicalEntity(
    name="survey_invitations",
    key="invitation_id",
    required_columns=("invitation_id", "customer_id", "touchpoint", "sent_at"),
    optional_columns=("channel",),
    description="Survey invitations: who was asked, at which touchpoint, through which channel.",
)

SURVEY_RESPONSES = CanonicalEntity(
    name="survey_responses",
    key="response_id",
    required_columns=("response_id", "invitation_id", "score", "responded_at"),
    optional_columns=("customer_id", "comment", "updated_at"),
    description="Answers to the 0-10 recommendation question, with the optional comment.",
    free_text_columns=("comment",),
)

DETRACTOR_FOLLOWUPS = CanonicalEntity(
    name="detractor_followups",
    key="followup_id",
    required_columns=("followup_id", "response_id", "status"),
    optional_columns=("created_at", "updated_at"),
    description="Follow-up cases the portal opened for unhappy respondents.",
)

ENTITIES: dict[str, CanonicalEntity] = {
    entity.name: entity
    for entity in (CUSTOMERS, SURVEY_INVITATIONS, SURVEY_RESPONSES, DETRACTOR_FOLLOWUPS)
}

# Columns the ingest adds to every raw row, whatever the portal.
PORTAL_COLUMN = "portal"
EXTRACTED_AT_COLUMN = "_extracted_at"
