"""Operations run by the operator and the secretariat from the command line: export, import, check, backup."""
