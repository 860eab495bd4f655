"""The fast read of jieba's dictionary cache gives the dictionary jieba builds itself."""

import jieba

from iitkb.tokenize import load_jieba


def test_fast_load_gives_jiebas_own_dictionary():
    fast = load_jieba()
    fast.initialize()                        # a no-op when the cache was read
    own = jieba.Tokenizer()
    own.initialize()
    assert fast.total == own.total
    assert fast.FREQ == own.FREQ
    assert fast.lcut("伦理委员会至少需要几名委员") == own.lcut("伦理委员会至少需要几名委员")
