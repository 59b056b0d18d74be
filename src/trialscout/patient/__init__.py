"""Patient input: the profile model, loaders (JSON / YAML / FHIR R4 / notes), note facts."""

from trialscout.patient.errors import ProfileError
from trialscout.patient.loader import LoadedPatient, load_profile, profile_from_data
from trialscout.patient.profile import ExtractedFact, FactSource, PatientProfile

__all__ = [
    "ExtractedFact",
    "FactSource",
    "LoadedPatient",
    "PatientProfile",
    "ProfileError",
    "load_profile",
    "profile_from_data",
]
