"""Where raw records come from: files, folders, zip archives, API pages. Streamed, constant memory.

CONTRACT (other modules code against this; the readers helper fills it in):

    @dataclass(frozen=True)
    class RawRecord:
        source: str    # "dir/NCT01.xml", "AllPublicXML.zip:NCT0000xxxx/NCT00000102.xml", "page.json#studies[3]"
        format: Literal["ctgov-json-v2", "ctgov-xml"]
        payload: bytes # the verbatim record: one study's JSON, or one XML document

    def iter_records(paths: Sequence[str | Path]) -> Iterator[RawRecord | RecordError]
"""
