using System.Text.Json;
using FluentValidation;

namespace Streaming.Events;

/// <summary>Validation errors name fields as clients send them (snake_case), in every service.</summary>
public static class WireNames
{
    public static void UseForValidation()
    {
        ValidatorOptions.Global.PropertyNameResolver = static (_, member, _) => member is null ? null : ToWire(member.Name);
        ValidatorOptions.Global.DisplayNameResolver = static (_, member, _) => member is null ? null : ToWire(member.Name);
    }

    public static string ToWire(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
