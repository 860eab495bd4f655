"""English derived forms share one token, so a question's verb finds a rule's noun."""

import json

import numpy as np

from index.lexical import LexicalIndex
from iitkb.tokenize import Tokenizer, base_stem


def test_a_verb_and_its_noun_give_one_token():
    tokens = Tokenizer().tokens
    for verb, noun in [("retained", "retention"), ("resubmit", "resubmission"), ("register", "registration"),
                       ("notify", "notification"), ("decide", "decision"), ("stored", "storage"),
                       ("PIs", "PI"), ("info", "information")]:
        assert tokens(verb) == tokens(noun), (verb, noun)
    assert tokens("commission") != tokens("commit")        # a different word, not a derived form


def test_the_base_stem_is_idempotent_so_stored_tokens_can_pass_again():
    for stem in ["submiss", "notifi", "retent", "pis", "ethic", "伦理"]:
        assert base_stem(base_stem(stem)) == base_stem(stem)


def test_a_lexical_index_saved_by_an_older_version_is_not_used(tmp_path):
    columns = {"doc_id": np.array([], dtype=str)}
    LexicalIndex(None, [], columns, generation=3).save(tmp_path / "lexical")
    assert LexicalIndex.load(tmp_path / "lexical").generation == 3
    head = tmp_path / "lexical" / "ids.json"
    old = json.loads(head.read_text())
    del old["version"]
    head.write_text(json.dumps(old))
    assert LexicalIndex.load(tmp_path / "lexical") is None        # open() rebuilds it from the catalog
