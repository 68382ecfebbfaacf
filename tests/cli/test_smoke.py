from conftest import sess


def test_version(repo):
    result = sess(repo, "--version")
    assert result.code == 0
    assert "git-sess" in result.out
