using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>Kubernetes label selectors: a=b, a==b, a!=b, a, !a, a in (x,y), a notin (x,y).</summary>
public static class LabelSelector
{
    public static Func<JsonObject, bool> Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
            return _ => true;

        var tests = new List<Func<IDictionary<string, string>, bool>>();
        foreach (var term in SplitTerms(selector))
        {
            var t = term.Trim();
            if (t.Contains(" notin ", StringComparison.Ordinal))
            {
                var (key, values) = SetTerm(t, " notin ");
                tests.Add(l => !l.TryGetValue(key, out var v) || !values.Contains(v));
            }
            else if (t.Contains(" in ", StringComparison.Ordinal))
            {
                var (key, values) = SetTerm(t, " in ");
                tests.Add(l => l.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (t.Contains("!=", StringComparison.Ordinal))
            {
                var parts = t.Split("!=", 2);
                tests.Add(l => !l.TryGetValue(parts[0].Trim(), out var v) || v != parts[1].Trim());
            }
            else if (t.Contains('=', StringComparison.Ordinal))
            {
                var parts = t.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
                tests.Add(l => l.TryGetValue(parts[0].Trim(), out var v) && v == parts[1].Trim());
            }
            else if (t.StartsWith('!'))
            {
                tests.Add(l => !l.ContainsKey(t[1..].Trim()));
            }
            else
            {
                tests.Add(l => l.ContainsKey(t));
            }
        }

        return obj =>
        {
            var labels = (obj["metadata"]?["labels"] as JsonObject)?.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? string.Empty)
                ?? new Dictionary<string, string>();
            return tests.All(test => test(labels));
        };
    }

    private static (string Key, HashSet<string> Values) SetTerm(string term, string op)
    {
        var parts = term.Split(op, 2);
        var values = parts[1].Trim().TrimStart('(').TrimEnd(')').Split(',').Select(v => v.Trim()).ToHashSet();
        return (parts[0].Trim(), values);
    }

    // Commas separate terms except inside parentheses.
    private static IEnumerable<string> SplitTerms(string selector)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            if (selector[i] == '(') depth++;
            else if (selector[i] == ')') depth--;
            else if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }
}
