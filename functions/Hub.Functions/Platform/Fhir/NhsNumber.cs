namespace Hub.Platform.Fhir;

/// <summary>NHS number rules: ten digits whose last is a modulus-11 check digit.</summary>
public static class NhsNumber
{
    public static bool IsValid(string? value)
    {
        if (value is null || value.Length != 10)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 10; i++)
        {
            if (value[i] is < '0' or > '9')
            {
                return false;
            }

            if (i < 9)
            {
                sum += (value[i] - '0') * (10 - i);
            }
        }

        var check = 11 - (sum % 11);
        if (check == 11)
        {
            check = 0;
        }

        // A remainder giving 10 means no valid check digit exists for the first nine digits.
        return check != 10 && check == value[9] - '0';
    }
}
