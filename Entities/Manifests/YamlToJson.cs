using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace EtlRouter.Entities.Manifests;

/// <summary>
/// Converts a YAML stream to JSON documents the way the API server reads YAML (the YAML 1.2 core schema: plain
/// scalars become null, booleans, integers or floats when they look like them; quoted scalars stay strings).
/// It reads the parser's events with an explicit stack (no recursion, so no depth can overflow the call stack)
/// and enforces <see cref="ManifestLimits"/> as it goes: depth, document size, document count, and the nodes
/// that aliases add when expanded.
/// </summary>
public static partial class YamlToJson
{
    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    /// <summary>One document of the stream: its JSON, or why it cannot be read (a duplicate key, ...).</summary>
    public sealed record Document(int Index, int Line, JsonNode? Root, bool IsEmpty, string? Error);

    /// <summary>
    /// Every document in <paramref name="text"/>. A YAML syntax error ends the stream (it is thrown as the parser's
    /// <see cref="YamlException"/>); a limit breached throws <see cref="ManifestRefusedException"/>.
    /// </summary>
    public static IReadOnlyList<Document> ReadDocuments(string text, string origin, ManifestLimits limits)
    {
        var documents = new List<Document>();
        var parser = new Parser(new StringReader(text));
        DocumentReader? current = null;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case DocumentStart start:
                    if (documents.Count >= limits.MaxDocuments)
                        throw ManifestRefusedException.At(origin, documents.Count + 1, start.Start.Line, $"more than {limits.MaxDocuments} documents in one file (the manifest reader's limit); split it into several files");
                    current = new DocumentReader(origin, documents.Count + 1, start.Start, limits);
                    break;
                case DocumentEnd:
                    documents.Add(current!.Finish());
                    current = null;
                    break;
                case { } other when current is not null:
                    current.Accept(other);
                    break;
            }
        }

        return documents;
    }

    private static JsonNode? ConvertScalar(Scalar scalar)
    {
        var text = scalar.Value;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return JsonValue.Create(text);

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (Integer().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return JsonValue.Create(integer);
        if (Float().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            return JsonValue.Create(number);
        return JsonValue.Create(text);
    }

    /// <summary>Builds one document from its events; a structural error skips the rest of the document.</summary>
    private sealed class DocumentReader(string origin, int index, Mark start, ManifestLimits limits)
    {
        private readonly Stack<Frame> open = new();
        private readonly Dictionary<string, (JsonNode? Node, int Nodes)> anchors = new(StringComparer.Ordinal);
        private JsonNode? root;
        private int rootLine;
        private bool sawRoot;
        private bool emptyRoot;
        private int nodes;
        private int aliasNodes;
        private string? error;

        public void Accept(ParsingEvent parsed)
        {
            if (parsed.End.Index - start.Index > limits.MaxDocumentCharacters)
                throw Refused(parsed.Start, $"the document is larger than {limits.MaxDocumentCharacters} characters (the manifest reader's limit; Kubernetes stores no larger object)");
            if (error is not null) return;
            switch (parsed)
            {
                case Scalar scalar:
                    Scalar(scalar);
                    break;
                case MappingStart mapping:
                    Open(mapping, new JsonObject(), mapping.Anchor);
                    break;
                case SequenceStart sequence:
                    Open(sequence, new JsonArray(), sequence.Anchor);
                    break;
                case MappingEnd or SequenceEnd:
                    var frame = open.Pop();
                    if (frame.Anchor is not null) anchors[frame.Anchor] = (frame.Node, nodes - frame.NodesBefore + 1);
                    Attach(frame.Node, frame.Line);
                    break;
                case AnchorAlias alias:
                    Alias(alias);
                    break;
            }
        }

        public Document Finish()
        {
            var line = sawRoot ? rootLine : (int)start.Line;
            return error is not null ? new Document(index, line, null, false, error) : new Document(index, line, root, emptyRoot, null);
        }

        private void Scalar(Scalar scalar)
        {
            if (open.TryPeek(out var parent) && parent.ExpectsKey)
            {
                Key(parent, scalar.Value, scalar.Start);
                Remember(scalar.Anchor, JsonValue.Create(scalar.Value), 1);
                return;
            }

            var value = ConvertScalar(scalar);
            nodes++;
            Remember(scalar.Anchor, value, 1);
            if (open.Count == 0) emptyRoot = scalar.Value.Length == 0;
            Attach(value, (int)scalar.Start.Line);
        }

        private void Open(NodeEvent node, JsonNode container, AnchorName anchor)
        {
            if (open.TryPeek(out var parent) && parent.ExpectsKey)
            {
                Fail(node.Start, "a mapping key must be a plain string");
                return;
            }

            if (open.Count >= limits.MaxDepth)
                throw Refused(node.Start, $"nesting deeper than {limits.MaxDepth} levels (the manifest reader's limit, as the admission webhook's); a manifest needs far fewer");
            nodes++;
            open.Push(new Frame(container, anchor.IsEmpty ? null : anchor.Value, nodes, (int)node.Start.Line));
        }

        private void Alias(AnchorAlias alias)
        {
            if (!anchors.TryGetValue(alias.Value.Value, out var anchored))
            {
                Fail(alias.Start, $"alias *{alias.Value.Value} names no anchor before it");
                return;
            }

            if (open.TryPeek(out var parent) && parent.ExpectsKey)
            {
                if (anchored.Node is JsonValue key && key.TryGetValue<string>(out var name)) Key(parent, name, alias.Start);
                else Fail(alias.Start, "a mapping key must be a plain string");
                return;
            }

            aliasNodes += anchored.Nodes;
            if (aliasNodes > limits.MaxAliasNodes)
                throw Refused(alias.Start, $"YAML aliases expand to more than {limits.MaxAliasNodes} nodes (the manifest reader's limit); write the repeated values out, or repeat fewer of them");
            nodes += anchored.Nodes;
            Attach(anchored.Node?.DeepClone(), (int)alias.Start.Line);
        }

        private void Key(Frame parent, string name, Mark at)
        {
            if (((JsonObject)parent.Node).ContainsKey(name))
            {
                Fail(at, $"duplicate key '{name}'");
                return;
            }

            parent.Key = name;
        }

        private void Attach(JsonNode? value, int line)
        {
            if (!open.TryPeek(out var parent))
            {
                root = value;
                rootLine = line;
                sawRoot = true;
                return;
            }

            if (parent.Node is JsonObject map)
            {
                map[parent.Key!] = value;
                parent.Key = null;
            }
            else
            {
                ((JsonArray)parent.Node).Add(value);
            }
        }

        private void Remember(AnchorName anchor, JsonNode? node, int count)
        {
            if (!anchor.IsEmpty) anchors[anchor.Value] = (node, count);
        }

        private void Fail(Mark at, string message) => error = $"line {at.Line}: {message}";

        private ManifestRefusedException Refused(Mark at, string problem) => ManifestRefusedException.At(origin, index, at.Line, problem);
    }

    /// <summary>An open mapping or sequence; a mapping between reading a key and its value holds the key.</summary>
    private sealed class Frame(JsonNode node, string? anchor, int nodesBefore, int line)
    {
        public JsonNode Node { get; } = node;

        public string? Anchor { get; } = anchor;

        public int NodesBefore { get; } = nodesBefore;

        public int Line { get; } = line;

        public string? Key { get; set; }

        public bool ExpectsKey => Node is JsonObject && Key is null;
    }
}
