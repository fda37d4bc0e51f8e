// The function app on the Flex Consumption plan. It runs as the user-assigned identity and holds no keys:
// storage, Application Insights and Key Vault are all reached with Entra ID.
param name string
param planName string
param location string
param tags object

@description('Resource id of the user-assigned managed identity.')
param identityId string

@description('Client id of the user-assigned managed identity.')
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param applicationInsightsName string

@description('Key Vault URI, ending in a slash.')
param keyVaultUri string
param sendGridSecretName string
@description('SendGrid Signed Event Webhook verification key; empty keeps the webhook off.')
param sendGridEventWebhookPublicKey string = ''
param linkSigningSecretName string

param taskHubName string
param intakeQueueName string
param intakeQueueClientId string

param maximumInstanceCount int = 100
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // Flex Consumption takes no FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION: the runtime is in functionAppConfig.
  // Keep these names in step with tests/Hub.Infra.Tests/AppSettingsTheAppReads.cs.
  resource appSettings 'config' = {
    name: 'appsettings'
    properties: {
      AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
      AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
      AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
      AzureWebJobsStorage__credential: 'managedidentity'
      AzureWebJobsStorage__clientId: identityClientId
      APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
      AZURE_FUNCTIONS_ENVIRONMENT: 'Production'
      DurableTaskHubName: taskHubName
      IntakeQueueName: intakeQueueName
      PendingEventsSchedule: '0 */2 * * * *'
      Intake__QueueClientId: intakeQueueClientId
      Intake__MaxBodyBytes: '1048576'
      SendGrid__ApiKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${sendGridSecretName})'
      SendGrid__EventWebhookPublicKey: sendGridEventWebhookPublicKey
      Links__SigningKeys__k1: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/${linkSigningSecretName})'
      Links__CurrentKeyId: 'k1'
      Links__BaseUrl: 'https://${site.properties.defaultHostName}'
    }
  }

  // No FTP and no basic-auth (publishing profile) deployments: azd deploys with an Entra ID token.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = site.name
output id string = site.id
output uri string = 'https://${site.properties.defaultHostName}'
