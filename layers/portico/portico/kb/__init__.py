"""Knowledge base: articles, their search index (`portico.kb.search`) and its text
analysis (`portico.kb.text`)."""
