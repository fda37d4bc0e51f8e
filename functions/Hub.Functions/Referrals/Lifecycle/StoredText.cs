using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hub.Referrals;

/// <summary>A lifecycle word that is not a closed list (a reminder's number, a provider's id inside it): kept as the
/// exact string it is stored as, made only through its type's named values.</summary>
public interface IStoredText<TSelf> where TSelf : IStoredText<TSelf>
{
    string Value { get; }

    /// <summary>Reads a stored spelling back. Lenient: history written by earlier versions must always read.</summary>
    static abstract TSelf FromStored(string value);
}

/// <summary>Writes a stored word as the plain JSON string it was before it had a type, so durable history written
/// either way reads the same.</summary>
public sealed class StoredTextJsonConverter<T> : JsonConverter<T> where T : IStoredText<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        T.FromStored(reader.GetString() ?? throw new JsonException($"A {typeof(T).Name} is a string."));

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.Value);
}
