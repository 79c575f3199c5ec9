"""Step 1 of the pipeline: spec files in, position-aware documents out. No validation rules."""

from gmac.load.documents import Document, SourceMap, YamlPath
from gmac.load.files import find_spec_files, load_specs
from gmac.load.interpolate import interpolate, variable_paths
from gmac.load.yaml_source import parse_documents

__all__ = [
    "Document",
    "SourceMap",
    "YamlPath",
    "find_spec_files",
    "interpolate",
    "load_specs",
    "parse_documents",
    "variable_paths",
]
