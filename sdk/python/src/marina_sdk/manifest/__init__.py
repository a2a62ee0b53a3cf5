"""The manifest core: reading, validating, converting and hashing Marina app manifests exactly as the
Swift reference (``MarinaCore``) does."""
from .canonical import canonical_bytes, canonical_hash, canonical_string, format_number
from .errors import ALL_CODES, Diagnostic, DocumentError
from .limits import DEFAULT_LIMITS, DocumentLimits
from .loader import (FILE_NAMES, FORMATS, LINKWORLD, NATIVE, OPENSAIL, ManifestReport, load_bytes, load_document,
                     load_file, load_text, locate, parse_document)
from .scopes import DEFAULT_CATALOG, ScopeCatalog, ScopeCatalogError, ScopeDefinition
from .semver import SemanticVersion

__all__ = [
    "ALL_CODES", "DEFAULT_CATALOG", "DEFAULT_LIMITS", "Diagnostic", "DocumentError", "DocumentLimits", "FILE_NAMES",
    "FORMATS", "LINKWORLD", "NATIVE", "OPENSAIL", "ManifestReport", "ScopeCatalog", "ScopeCatalogError",
    "ScopeDefinition", "SemanticVersion", "canonical_bytes", "canonical_hash", "canonical_string", "format_number",
    "load_bytes", "load_document", "load_file", "load_text", "locate", "parse_document",
]
