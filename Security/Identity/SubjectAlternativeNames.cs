using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace EtlRouter.Security.Identity;

/// <summary>Reads the URIs of a subject alternative name extension (.NET offers DNS names and IP addresses only).</summary>
internal static class SubjectAlternativeNames
{
    // GeneralName ::= CHOICE { ..., uniformResourceIdentifier [6] IA5String, ... }
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    public static IEnumerable<string> Uris(X509SubjectAlternativeNameExtension extension)
    {
        var found = new List<string>();
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                var tag = names.PeekTag();
                if (tag.HasSameClassAndValue(UriTag)) found.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                else names.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nobody.
        }

        return found;
    }
}
