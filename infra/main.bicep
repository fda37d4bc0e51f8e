// Social Prescribing Referral Hub: everything `azd up` provisions.
// Plain resources and local modules only: no registry (br:/ts:) modules, so the template builds offline.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Used to name the resource group and to derive a unique token for resource names.')
param environmentName string

@minLength(1)
@description('Primary location for all resources. Pick a region that offers the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the person or pipeline running azd. When set, it gets data-plane roles on storage and may set Key Vault secrets. Leave empty in production.')
param principalId string = ''

@description('Name of the resource group; empty means rg-<environmentName>.')
param resourceGroupName string = ''

@description('The API client (Intake:QueueClientId) whose practices referrals arriving on the inbound queue are posted for.')
param intakeQueueClientId string = 'integration-engine'

@description('Optional object id of the integration engine\'s identity. When set, it may only send messages to the inbound queue.')
param intakeSenderPrincipalId string = ''

@secure()
@description('SendGrid API key. Empty leaves the SendGridApiKey secret as it is in Key Vault (set it there after the first provision).')
param sendGridApiKey string = ''

@description('SendGrid Signed Event Webhook verification key (Settings → Mail Settings → Event Webhook; public, not a secret). Empty keeps POST /api/email/events off (404).')
param sendGridEventWebhookPublicKey string = ''

@secure()
@description('Link signing key k1. Empty leaves the LinkSigningKey secret as it is in Key Vault (set it there after the first provision).')
param linkSigningKey string = ''

@description('Largest number of instances the Flex Consumption plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
// Names are worked out here, at compile time, and handed to the modules (not read back from module outputs),
// so what-if can predict every resource id.
var identityName = 'id-api-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var logAnalyticsName = 'log-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var planName = 'plan-${resourceToken}'
var functionAppName = 'func-api-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
// Durable task hub names are 3-45 characters, letters and digits only, starting with a letter.
var taskHubName = take(
  'hub${replace(replace(replace(replace(replace(toLower(environmentName), '-', ''), '_', ''), '.', ''), '(', ''), ')', '')}',
  45
)
var intakeQueueName = 'referrals-inbound'
var sendGridSecretName = 'SendGridApiKey'
var linkSigningSecretName = 'LinkSigningKey'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

// The one identity the app uses for everything: storage (host, Durable Functions, the app's own tables and queues),
// Application Insights ingestion, Key Vault references and the deployment package container.
module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'core/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module storage 'core/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    queueNames: [intakeQueueName]
  }
}

module keyVault 'core/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    secrets: {
      '${sendGridSecretName}': sendGridApiKey
      '${linkSigningSecretName}': linkSigningKey
    }
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  dependsOn: [identity, storage, monitoring, keyVault]
  params: {
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
    keyVaultName: keyVaultName
    identityName: identityName
    principalId: principalId
    intakeQueueName: intakeQueueName
    intakeSenderPrincipalId: intakeSenderPrincipalId
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  // Roles first: the host starts, and Key Vault references resolve, only once the identity may use storage and the vault.
  dependsOn: [rbac, storage, monitoring]
  params: {
    name: functionAppName
    planName: planName
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storageAccountName
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    sendGridSecretName: sendGridSecretName
    sendGridEventWebhookPublicKey: sendGridEventWebhookPublicKey
    linkSigningSecretName: linkSigningSecretName
    taskHubName: taskHubName
    intakeQueueName: intakeQueueName
    intakeQueueClientId: intakeQueueClientId
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = api.outputs.uri
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output DURABLE_TASK_HUB_NAME string = taskHubName
output INTAKE_QUEUE_NAME string = intakeQueueName
