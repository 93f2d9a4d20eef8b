from objectivity.results.templatetags.subjects import subject_name


def test_subject_codes_read_as_words_in_reports():
    assert subject_name("ma") == "математика" and subject_name("ru") == "русский язык" and subject_name("xx") == "xx"
